'use strict';
// The config as shipped to Lambda: a copy of the validated config without its local-only secrets.

/** Whether a webhook URL visibly carries a secret: credentials or a query string (`?token=…`). */
const carriesToken = (raw) => {
  try {
    const url = new URL(raw);
    return Boolean(url.username || url.password || url.search);
  } catch {
    // The schema has already checked it is a URL; an unparsable one is treated as secret, never shipped.
    return true;
  }
};

/** A copy of `config` without literal secrets; throws for a channel or hook that has only the literal secret. */
const withoutLocalSecrets = (config, { error, log }) => {
  const shipped = structuredClone(config);
  // Literal secrets are for local runs; deployed stacks read them from SSM SecureString parameters.
  const n = shipped.notify || {};
  const strip = (obj, key, ssmKey, what) => {
    if (!obj) return;
    // A channel with only a local secret cannot work deployed: refuse rather than ship a silently dead channel.
    if (!obj[ssmKey]) {
      throw error(
        `r53-failover: ${what} has ${key} (a local-only value) but no ${ssmKey}; deployed stacks read secrets from SSM. ` +
          `Create a SecureString parameter and set ${what}.${ssmKey} (see docs/deploy.md), or remove the channel.`,
      );
    }
    if (obj[key]) {
      delete obj[key];
      log.notice(`r53-failover: ${what}.${key} is not shipped to Lambda; deployed stacks use ${ssmKey}`);
    }
  };
  // A webhook URL is shipped as is unless it is in SSM (`urlSsmParameter`, then the local `url` is stripped); one
  // that carries a token (a query string or credentials) is refused without it, so no token is ever in a package.
  const stripUrl = (obj, what) => {
    if (obj.urlSsmParameter) return strip(obj, 'url', 'urlSsmParameter', what);
    if (obj.url && carriesToken(obj.url)) {
      throw error(
        `r53-failover: ${what}.url carries a query string or credentials (a token?) and would be shipped in every ` +
          `function's package. Put the URL in an SSM SecureString parameter and set ${what}.urlSsmParameter ` +
          '(see docs/deploy.md); the local url is then used for local runs only.',
      );
    }
  };
  strip(n.slack, 'webhookUrl', 'webhookSsmParameter', 'notify.slack');
  strip(n.teams, 'webhookUrl', 'webhookUrlSsmParameter', 'notify.teams');
  strip(n.pagerduty, 'routingKey', 'routingKeySsmParameter', 'notify.pagerduty');
  (n.webhooks || []).forEach((w, i) => {
    stripUrl(w, `notify.webhooks[${i}] (${w.name})`);
    strip(w, 'secret', 'secretSsmParameter', `notify.webhooks[${i}] (${w.name})`);
  });
  for (const [group, g] of Object.entries(shipped.groups || {})) {
    (g.promotion?.hooks || []).forEach((h, i) => {
      if (h.type !== 'webhook') return;
      stripUrl(h, `groups.${group}.promotion.hooks[${i}] (webhook)`);
      strip(h, 'secret', 'secretSsmParameter', `groups.${group}.promotion.hooks[${i}] (webhook)`);
    });
  }
  return shipped;
};

module.exports = { withoutLocalSecrets };
