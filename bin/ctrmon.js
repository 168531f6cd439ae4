#!/usr/bin/env node
'use strict';
// `ctrmon monitor` runs as long as its container, one per container: it loads a bundle of its
// own code only; so do `auto-update` and `rollback`, which a timer runs daily. Every other command
// loads the whole command line.
const ENTRIES = { monitor: 'ctrmon-monitor.js', 'auto-update': 'ctrmon-update.js', rollback: 'ctrmon-update.js' };
const entry = ENTRIES[process.argv[2]] ?? 'ctrmon.js';
require('./load-bundle').load(entry).exports.main(process.argv);
