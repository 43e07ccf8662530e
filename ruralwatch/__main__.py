from ruralwatch.app import main

raise SystemExit(main())
