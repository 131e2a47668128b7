// `node src/credit.js ORG_ID AMOUNT_PENCE REASON`: support's manual credit from the terminal,
// through the ledger like every other credit (an "adjustment" row with the reason).
import pg from "pg";
import { formatPence } from "./money.js";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });

const [orgId, amount, reason] = process.argv.slice(2);
if (!orgId || !/^\d+$/.test(amount ?? "") || !reason) {
  console.error("usage: node src/credit.js ORG_ID AMOUNT_PENCE REASON");
  process.exit(2);
}
try {
  const row = (await pool.query(
    "select * from add_wallet_credits($1, $2, 'adjustment', null, null, $3)",
    [orgId, Number(amount), reason],
  )).rows[0];
  console.log(`credited ${formatPence(Number(amount))} to ${orgId}: balance ${formatPence(Number(row.balance_after_pence))}`);
} catch (error) {
  console.error(`credit refused: ${error.message}`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
