from vision_lab.cli import main

raise SystemExit(main())
