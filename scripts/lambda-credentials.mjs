// Lambda bundles only: Lambda always provides credentials in the environment, so the SDK's default chain
// (SSO, INI files, STS web identity, IMDS, …, ~100 KB minified) is replaced by the environment provider.
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init = {}) => fromEnv(init);
