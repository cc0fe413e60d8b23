import { runDnsProbe } from './dns-probe.js';
import { runHttpProbe } from './http-probe.js';
import type { ProbeRunners } from './runner.js';
import { runTcpProbe } from './tcp-probe.js';

/** The real probe engines (HTTP(S) and TCP behind the SSRF guard). `runtimeApi` is the Lambda runtime API host:port, always refused. */
export const probeEngines = (deps: { runtimeApi?: string | undefined } = {}): ProbeRunners => {
  const d = deps.runtimeApi ? { runtimeApi: deps.runtimeApi } : {};
  return {
    http: (spec) => runHttpProbe(spec, d),
    tcp: (spec) => runTcpProbe(spec, d),
    dns: (spec) => runDnsProbe(spec),
  };
};
