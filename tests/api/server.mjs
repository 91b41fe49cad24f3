// A real `orgledger serve` for the JavaScript tests: its own database and
// secrets in a temporary directory, an ephemeral loopback port, stopped by
// stop(). The binary is $ORGLEDGER_BIN (ctest sets it).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const HOST_SECRET = "api-test-host-secret-0123456789";
export const ADMIN_SECRET = "api-test-admin-secret-0123456789";

export async function startServer(extra = []) {
  const bin = process.env.ORGLEDGER_BIN;
  if (!bin) throw new Error("set ORGLEDGER_BIN to build/bin/orgledger");
  const root = process.env.ORGLEDGER_TEST_TMP ?? tmpdir();
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, "api-"));
  writeFileSync(join(dir, "secret"), HOST_SECRET + "\n", { mode: 0o600 });
  writeFileSync(join(dir, "admin-secret"), ADMIN_SECRET + "\n", { mode: 0o600 });
  const child = spawn(bin, [
    "serve", "--data", join(dir, "db"), "--listen", "127.0.0.1:0",
    "--secret-file", join(dir, "secret"),
    "--admin-secret-file", join(dir, "admin-secret"),
    "--backup-dir", join(dir, "backups"), ...extra,
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("serve did not start:\n" + output)), 30000);
    const read = (chunk) => {
      output += chunk;
      const m = output.match(/orgledger: listening on 127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("exit", (code) => reject(new Error(`serve exited ${code}:\n${output}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    dir,
    async stop() {
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
