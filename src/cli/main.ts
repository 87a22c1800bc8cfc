#!/usr/bin/env node
/** The `lipkit` executable: runs the command line on process.argv and sets the exit status. */
import { runCli } from './runCli.js';

process.exitCode = await runCli(process.argv.slice(2));
