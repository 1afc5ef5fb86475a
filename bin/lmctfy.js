#!/usr/bin/env node
import '../dist/lmctfy.js';
