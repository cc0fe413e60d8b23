// The SDK clients hooks call, one per service and region, built on first use.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import type { HookClients } from './types.js';

/** One client per region, kept for the container's life. */
const perRegion = <T>(make: (region: string) => T): ((region: string) => T) => {
  const cache = new Map<string, T>();
  return (region) => {
    const hit = cache.get(region);
    if (hit) return hit;
    const made = make(region);
    cache.set(region, made);
    return made;
  };
};

/**
 * Hook clients with the caller's credentials (the function's role, or the CLI user's). RDS and Lambda calls go to the
 * healthy target region's endpoint, never the impaired one.
 */
export const regionalHookClients = (): HookClients => ({
  rds: perRegion((region) => new RDSClient({ region })),
  lambda: perRegion((region) => new LambdaClient({ region })),
  cloudwatch: perRegion((region) => new CloudWatchClient({ region })),
});
