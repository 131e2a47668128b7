"""Page objects: the login page, the wallet dashboard and the fake's hosted Checkout page.

They find things by role, label and the pages' documented ``data-testid`` contract, and wait
with Playwright's auto-waiting ``expect``. Steps never touch a locator: they call these. They
import nothing of the harness.
"""
