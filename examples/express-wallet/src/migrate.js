// `node src/migrate.js [--seed]`: create the schema (sql/schema.sql) on DATABASE_URL, and with
// --seed put the demo people and organisations in (sql/seed.sql). Both are idempotent.
import { readFile } from "node:fs/promises";
import pg from "pg";

const here = new URL("../sql/", import.meta.url);
const url = process.env.DATABASE_URL;
if (!url) {
  console.error("migrate: set DATABASE_URL");
  process.exit(2);
}

const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  await client.query(await readFile(new URL("schema.sql", here), "utf8"));
  if (process.argv.includes("--seed")) {
    await client.query(await readFile(new URL("seed.sql", here), "utf8"));
  }
  console.log(`migrate: schema${process.argv.includes("--seed") ? " and seed" : ""} in place`);
} finally {
  await client.end();
}
