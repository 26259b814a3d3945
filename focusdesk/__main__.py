from focusdesk.cli import main

raise SystemExit(main())
