/**
 * Process entry of `ipvs` for every command line, subcommands included
 * (`bin/ipvs` loads it through fast-bin.ts for the subcommands, or
 * directly when the bundle is missing or older than the compiled files).
 * @internal
 * @module
 */
import { main } from './main';
import { runAsProcess } from './process';

runAsProcess(main);
