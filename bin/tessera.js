#!/usr/bin/env node
// The `tessera` command: the compiled CLI (built by `npm install` through the prepare script).
import '../dist/cli/main.js';
