"""What reference_app/sql/seed.sql puts in every fresh database (README.md documents it)."""

DEMO_ORG_ID = "ad9306a9-4d8a-4685-a667-cbeb7eb01a07"  # the bug report's test organisation
OTHER_ORG_ID = "5f0c2b9e-8d4a-4e61-9b7f-2c3d4e5f6a7b"

LOGINS = {
    "test@demo.com": ("topup-demo-1", DEMO_ORG_ID, "member"),
    "admin@demo.com": ("admin-demo-1", DEMO_ORG_ID, "admin"),
    "other@demo.com": ("other-demo-1", OTHER_ORG_ID, "member"),
}
