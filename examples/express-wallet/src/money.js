// Pence as people read them: 5000 -> "£50.00", -4 -> "-£0.04", 123456 -> "£1,234.56".
export function formatPence(pence) {
  const sign = pence < 0 ? "-" : "";
  const abs = Math.abs(pence);
  const pounds = Math.floor(abs / 100).toLocaleString("en-GB");
  return `${sign}£${pounds}.${String(abs % 100).padStart(2, "0")}`;
}
