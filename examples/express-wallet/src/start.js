// `node src/start.js`: the whole app for a run by hand. Without REDIS_URL it starts a Redis of
// its own on a free port (nothing saved to disk) and stops it on exit; then migrates, and runs
// the web process and the worker. Under wallet-harness the profile starts each process itself.
import { spawn, spawnSync } from "node:child_process";
import net from "node:net";

const here = new URL("..", import.meta.url).pathname;
const children = [];
const run = (command, args) => {
  const child = spawn(command, args, { cwd: here, stdio: "inherit", env: process.env });
  children.push(child);
  child.on("exit", (code) => { console.log(`${command} ${args[0] ?? ""} exited (${code})`); stop(1); });
  return child;
};

function stop(code = 0) {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 500);
}
process.on("SIGINT", () => stop());
process.on("SIGTERM", () => stop());

async function freePort() {
  const server = net.createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.on("listening", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port) {
  for (let i = 0; i < 100; i += 1) {
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => { socket.end(); resolve(true); });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis on port ${port} never accepted connections`);
}

if (!process.env.REDIS_URL) {
  const port = await freePort();
  run("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
  await waitForPort(port);
  process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
  console.log(`start: redis of its own at ${process.env.REDIS_URL}`);
}
const migrated = spawnSync("node", ["src/migrate.js", "--seed"], { cwd: here, stdio: "inherit" });
if (migrated.status !== 0) stop(1);
else {
  run("node", ["src/web.js"]);
  run("node", ["src/worker.js"]);
}
