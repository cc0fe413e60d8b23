import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cfnLintSkipReason, lintPackage } from '../helpers/cfn-lint.js';
import { FIXTURE_CONFIG_YAML } from '../helpers/events.js';
import { asArray, type Packaged, packageStack, type Statement } from '../helpers/template.js';

// notify.chatbot in the packaged recorder stack: the ChatbotTopic, notify's grant to publish to it and the variable
// naming it exist with it and not without it. `serverless package` is offline: no AWS call, no credentials.

const CHATBOT_TOPIC_REF = { Ref: 'ChatbotTopic' };
const configYaml = (chatbot: boolean) =>
  `${FIXTURE_CONFIG_YAML}notify:\n  slack: { webhookSsmParameter: /r53-failover/slack-webhook }\n${chatbot ? '  chatbot: true\n' : ''}`;

const dirs: string[] = [];
const packaged = async (chatbot: boolean): Promise<Packaged> => {
  const dir = mkdtempSync(join(tmpdir(), `r53f-chatbot-${chatbot ? 'on' : 'off'}-`));
  dirs.push(dir);
  const config = join(dir, 'failover.yml');
  writeFileSync(config, configYaml(chatbot));
  return packageStack(join(dir, 'package'), [], config, `chatbot ${chatbot ? 'on' : 'off'}`);
};
const notifyStatements = (p: Packaged): Statement[] =>
  (
    p.resource('NotifyIamRoleLambdaExecution').Properties as {
      Policies: { PolicyDocument: { Statement: Statement[] } }[];
    }
  ).Policies.flatMap((policy) => policy.PolicyDocument.Statement);
const notifyEnvironment = (p: Packaged) =>
  (p.resource('NotifyLambdaFunction').Properties as { Environment: { Variables: Record<string, unknown> } }).Environment
    .Variables;

let on: Packaged;
let off: Packaged;
beforeAll(async () => {
  // One package at a time (the plugin's package lock serializes them anyway).
  on = await packaged(true);
  off = await packaged(false);
}, 300_000);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('notify.chatbot in the packaged template', () => {
  it('creates the chat topic, encrypted under the notification key, with its ARN as an output', () => {
    expect(on.resource('ChatbotTopic')).toEqual({
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: 'r53-failover-test-chatbot',
        DisplayName: 'r53-failover test chat',
        KmsMasterKeyId: { 'Fn::GetAtt': ['NotificationKey', 'Arn'] },
      },
    });
    expect(on.template.Outputs?.ChatbotTopicArn?.Value).toEqual(CHATBOT_TOPIC_REF);
  });

  it('lets notify publish to exactly the chat topic besides the notification topic, and names it in its environment', () => {
    const publish = notifyStatements(on).filter((s) => asArray(s.Action).includes('sns:Publish'));
    expect(publish.flatMap((s) => asArray(s.Resource))).toEqual([{ Ref: 'NotificationTopic' }, CHATBOT_TOPIC_REF]);
    expect(publish.every((s) => asArray(s.Action).length === 1)).toBe(true);
    expect(notifyEnvironment(on).CHATBOT_TOPIC_ARN).toEqual(CHATBOT_TOPIC_REF);
  });

  it('has no chat topic, grant, variable or output without it', () => {
    expect(off.template.Resources.ChatbotTopic).toBeUndefined();
    expect(JSON.stringify(off.template)).not.toContain('ChatbotTopic');
    expect(notifyEnvironment(off)).not.toHaveProperty('CHATBOT_TOPIC_ARN');
  });

  it('passes cfn-lint with no error on the templates with the chat topic', async (ctx) => {
    const skip = cfnLintSkipReason();
    if (skip) return ctx.skip(skip);
    expect(await lintPackage(on.dir)).toEqual([]);
  }, 300_000);
});
