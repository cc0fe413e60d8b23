'use strict';
// The package lock: one `serverless package` at a time writes dist/config/failover.json and zips it.
const { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const path = require('node:path');

/**
 * Held by `serverless package` from the framework's cleanup of .serverless until its contents are moved to the package
 * directory (by `deploy function` while it writes CONFIG_JSON and zips): concurrent packages in one directory never
 * delete, take or ship each other's files.
 */
const PACKAGE_LOCK = 'dist/config/.package.lock';
const PACKAGE_LOCK_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * An exclusive directory lock in dist/config; a lock whose owner process is gone is taken over. Resolves with the
 * function that releases it (also run when the process exits).
 */
const acquirePackageLock = async (serviceDir, error) => {
  const dir = path.join(serviceDir, PACKAGE_LOCK);
  const deadline = Date.now() + PACKAGE_LOCK_TIMEOUT_MS;
  mkdirSync(path.dirname(dir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'pid'), `${process.pid}\n`);
      break;
    } catch (err) {
      if (err?.code !== 'EEXIST') throw err;
      if (isStaleLock(dir)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw error(
          `r53-failover: another serverless package in ${serviceDir} still holds ${PACKAGE_LOCK}; remove it if no package is running`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const release = () => {
    rmSync(dir, { recursive: true, force: true });
    process.removeListener('exit', release);
  };
  process.on('exit', release);
  return release;
};

/** The lock's owner is gone: its pid is not running, or it never wrote one (a crash right after mkdir) 30 s ago. */
const isStaleLock = (dir) => {
  let pid;
  try {
    pid = Number.parseInt(readFileSync(path.join(dir, 'pid'), 'utf8'), 10);
  } catch {
    try {
      return Date.now() - statSync(dir).mtimeMs > 30_000;
    } catch {
      return false; // released meanwhile: retry
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err.code === 'ESRCH';
  }
};

module.exports = { acquirePackageLock };
