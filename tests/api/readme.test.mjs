// The README's shell session runs as pasted: the block after the
// "readme-session" marker is run in one bash, against a fresh real server
// (its localhost:8080 pointed at the test's port, var/secret beside it), and
// each command's output is compared with the README's: the same lines, the
// same JSON keys, arrays, numbers, booleans and strings; only ids and times
// may differ (they do from run to run), each keeping its form.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, HOST_SECRET } from "./server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let server;

before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

// [{command, expected: [lines]}] of the marked block.
function sessionSteps(readme) {
  const marker = readme.indexOf("<!-- readme-session");
  assert.ok(marker >= 0, "README.md has no readme-session block");
  const open = readme.indexOf("```sh\n", marker) + "```sh\n".length;
  const block = readme.slice(open, readme.indexOf("\n```", open));
  const steps = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("$ ")) steps.push({ command: line.slice(2), expected: [] });
    else if (line.trim() !== "") steps.at(-1).expected.push(line);
  }
  return steps;
}

const ID = /^(inv|cmd|tok)_[A-Za-z0-9_-]+$/;
const TIME = /^\d{4}-\d{2}(-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)?$/;

function sameShape(actual, expected, where) {
  if (typeof expected === "string" && (ID.test(expected) || TIME.test(expected))) {
    const form = ID.test(expected) ? ID : TIME;
    assert.match(String(actual), form, `${where}: ${actual} is not of the form of ${expected}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: not an array`);
    assert.equal(actual.length, expected.length, `${where}: length`);
    expected.forEach((e, i) => sameShape(actual[i], e, `${where}[${i}]`));
  } else if (expected !== null && typeof expected === "object") {
    assert.ok(actual !== null && typeof actual === "object", `${where}: not an object`);
    assert.deepEqual(Object.keys(actual), Object.keys(expected), `${where}: keys`);
    for (const k of Object.keys(expected)) sameShape(actual[k], expected[k], `${where}.${k}`);
  } else {
    assert.equal(actual, expected, where);
  }
}

test("the README's session runs as pasted and answers as written", () => {
  const steps = sessionSteps(readFileSync(join(root, "README.md"), "utf8"));
  assert.ok(steps.length >= 10, "the session is shorter than expected");
  const cut = "@@readme-step@@";
  const port = new URL(server.base).port;
  const script = steps.map((s) => s.command.replaceAll("localhost:8080", `127.0.0.1:${port}`) +
    `\nprintf '\\n${cut}\\n'`).join("\n");
  const cwd = join(server.dir, "paste");
  mkdirSync(join(cwd, "var"), { recursive: true });
  writeFileSync(join(cwd, "var", "secret"), HOST_SECRET + "\n", { mode: 0o600 });
  const out = execFileSync("bash", ["-c", "set -o pipefail\n" + script], { cwd, encoding: "utf8", timeout: 60000 });
  const chunks = out.split(cut + "\n");
  assert.equal(chunks.length - 1, steps.length, out);
  steps.forEach((step, i) => {
    const actual = chunks[i].split("\n").filter((l) => l.trim() !== "");
    assert.equal(actual.length, step.expected.length,
      `$ ${step.command}\nprinted:\n${actual.join("\n")}\nthe README says:\n${step.expected.join("\n")}`);
    step.expected.forEach((e, j) => {
      let parsed;
      try { parsed = JSON.parse(e); } catch { parsed = undefined; }
      if (parsed === undefined) assert.equal(actual[j], e, `$ ${step.command}`);
      else sameShape(JSON.parse(actual[j]), parsed, `$ ${step.command}\n${actual[j]}\n`);
    });
  });
});
