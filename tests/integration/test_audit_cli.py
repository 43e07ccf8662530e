"""`ruralwatch audit verify` on an encrypted database: intact says so; tampering done with the key (an insider
with raw SQL) is listed one problem a line, and the exit code is 2."""

from __future__ import annotations

from pathlib import Path

from cli_harness import ADMIN, Cli, raw_connection


def _add(cli: Cli, place: str) -> str:
    result = cli("incidents", "add", "--kind", "fly_tipping", "--when", "2026-03-01 10:00", "--lat", "51.9",
                 "--lon", "0.3", f"--place={place}")
    assert result.code == 0, result.err
    return result.out.strip()


def test_verify_lists_every_problem_one_line_each(cli: Cli, db_path: Path) -> None:
    ids = [_add(cli, f"Farm {n}") for n in range(3)]
    intact = cli("audit", "verify")
    assert intact.code == 0 and intact.out.startswith("audit log intact:"), intact.out
    conn = raw_connection(db_path)
    try:
        conn.execute("UPDATE incidents SET place = 'tampered' WHERE id = ?", [ids[0]])
        conn.execute("DELETE FROM incidents WHERE id = ?", [ids[1]])
        conn.execute("UPDATE accounts SET display_name = 'someone else'")
        conn.commit()
    finally:
        conn.close()
    broken = cli("audit", "verify")
    assert broken.code == 2
    lines = broken.out.strip().splitlines()
    assert lines[0] == "audit log BROKEN: 3 problems"
    assert len(lines) == 4
    assert any(ids[0] in line and "changed outside RuralWatch" in line for line in lines)
    assert any(ids[1] in line and "deleted outside RuralWatch" in line for line in lines)
    assert any(line.strip().startswith("accounts row") for line in lines)


def test_list_finds_an_account_by_its_name_and_shows_accounts_by_name(cli: Cli, tmp_path: Path) -> None:
    # A walk ran `audit list --record dhughes` after resetting dhughes' password: nothing, exit 0, no word; the
    # listing named accounts only by their random record ids.
    password = tmp_path / "pat.txt"
    password.write_text("pat's first passphrase\n", encoding="utf-8")
    password.chmod(0o600)
    assert cli("accounts", "add", "pat", "--role", "special", "--password-file", str(password)).code == 0
    found = cli("--user", ADMIN, "audit", "list", "--record", "PAT")
    assert found.code == 0 and found.out.strip(), found.err
    assert all("accounts pat " in line + " " for line in found.out.strip().splitlines())
    nothing = cli("--user", ADMIN, "audit", "list", "--record", "nobody-at-all")
    assert nothing.code == 0 and nothing.out == "" and "no audit entries match" in nothing.err
