from fake_stripe.cli import main

raise SystemExit(main())
