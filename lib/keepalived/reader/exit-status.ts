/**
 * The exit statuses of `keepalived -t` and of `ipvs keepalived`, named
 * once: the reader's verdict, the config test and the daemon's command all
 * take them from here.
 * @module
 */

/** keepalived's exit statuses (keepalived 2.2.7's code, not its man page). */
export const KEEPALIVED_EXIT = {
  /** The file is clean; the daemon stopped when asked. */
  ok: 0,
  /** The daemon could not start. */
  fatal: 1,
  /** A keyword lacks the value it needs: keepalived stops reading there. */
  missingParameter: 2,
  /** A bad command line. */
  usage: 2,
  /** keepalived's VRRP child stopped at a configuration error it cannot run ("permanent error CONFIG"): the parent's status, measured. */
  childConfig: 2,
  /** No configuration file (missing or unreadable), or one keepalived stops at while loading it (KEEPALIVED_EXIT_CONFIG). */
  notRunnable: 4,
  /** Errors or warnings: keepalived corrects or ignores part of the file. */
  configErrors: 5,
  /** Scripts would run without `enable_script_security` ("SECURITY VIOLATION"). */
  scriptSecurity: 6,
  /** An `include` failed a check that `include_check` or the variant (`includer` ...) asked for; the daemon does not start. */
  includeCheck: 6,
} as const;

/** Whether a file with this `keepalived -t` status has anything to run (it was found and read to its end). */
export function configRunnable(status: number): boolean {
  return status !== KEEPALIVED_EXIT.notRunnable && status !== KEEPALIVED_EXIT.missingParameter;
}
