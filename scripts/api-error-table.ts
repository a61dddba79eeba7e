/**
 * Prints the error code → numeric code → HTTP status table of docs/api.md from the registered
 * tables. Usage: npx tsx scripts/api-error-table.ts
 */
import "../src/api/server.js";
import "../src/crypto/index.js";
import "../src/ledger/commit.js";
import "../src/ledger/receipt.js";
import "../src/node/node.js";
import { registeredErrorCodes } from "../src/errors.js";

const lines = ["| code | num (ABCI) | HTTP |", "|---|---:|---:|"];
for (const [code, info] of registeredErrorCodes()) lines.push(`| \`${code}\` | ${info.num} | ${info.http} |`);
process.stdout.write(`${lines.join("\n")}\n`);
