'use strict';
// The config as shipped to Lambda: a copy of the validated config without its local-only secrets.

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
  strip(n.slack, 'webhookUrl', 'webhookSsmParameter', 'notify.slack');
  strip(n.pagerduty, 'routingKey', 'routingKeySsmParameter', 'notify.pagerduty');
  (n.webhooks || []).forEach((w, i) => {
    strip(w, 'secret', 'secretSsmParameter', `notify.webhooks[${i}] (${w.name})`);
  });
  for (const [group, g] of Object.entries(shipped.groups || {})) {
    (g.promotion?.hooks || []).forEach((h, i) => {
      if (h.type === 'webhook')
        strip(h, 'secret', 'secretSsmParameter', `groups.${group}.promotion.hooks[${i}] (webhook)`);
    });
  }
  return shipped;
};

module.exports = { withoutLocalSecrets };
