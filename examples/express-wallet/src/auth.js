// Who is asking: a signed session cookie (the browser) or a Bearer API token (scripts).
import { createHash, createHmac, randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { SESSION_SECRET, pool } from "./config.js";

const COOKIE = "wallet_session";

export function verifyPassword(stored, password) {
  const [scheme, salt, hash] = String(stored).split("$");
  if (scheme !== "scrypt") return false;
  const expected = Buffer.from(hash, "hex");
  const actual = scryptSync(password, salt, expected.length); // the salt as its hex text
  return timingSafeEqual(expected, actual);
}

export function hashPassword(password, salt = randomBytes(16).toString("hex")) {
  return `scrypt$${salt}$${scryptSync(password, salt, 32).toString("hex")}`;
}

const sign = (value) => createHmac("sha256", SESSION_SECRET).update(value).digest("hex");

export function setSession(res, userId) {
  res.cookie(COOKIE, `${userId}.${sign(userId)}`, { httpOnly: true, sameSite: "lax", path: "/" });
}

export function clearSession(res) {
  res.clearCookie(COOKIE, { path: "/" });
}

function cookieUser(req) {
  const raw = (req.headers.cookie || "").split(/;\s*/).find((c) => c.startsWith(`${COOKIE}=`));
  if (!raw) return null;
  const [userId, mac] = decodeURIComponent(raw.slice(COOKIE.length + 1)).split(".");
  if (!userId || !mac || mac.length !== 64) return null;
  return timingSafeEqual(Buffer.from(mac), Buffer.from(sign(userId))) ? userId : null;
}

// { userId, email, orgId, role } or null
export async function identityOf(req) {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization || "");
  if (bearer) {
    const digest = createHash("sha256").update(bearer[1]).digest("hex");
    const row = (await pool.query("select org_id from api_tokens where token_sha256 = $1", [digest])).rows[0];
    return row ? { userId: null, email: null, orgId: row.org_id, role: "token" } : null;
  }
  const userId = cookieUser(req);
  if (!userId) return null;
  const row = (await pool.query("select id, email, org_id, role from users where id = $1", [userId])).rows[0];
  return row ? { userId: row.id, email: row.email, orgId: row.org_id, role: row.role } : null;
}

export async function findUser(email) {
  return (await pool.query("select id, password_hash from users where lower(email) = lower($1)", [email])).rows[0];
}
