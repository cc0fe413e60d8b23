'use strict';
// The AWS chat integration (failover.yml `notify.chatbot: true`): a second topic, ChatbotTopic, which an Amazon Q
// Developer in chat applications (formerly AWS Chatbot) channel configuration subscribes to; notify's grant to publish
// to it and the variable that names it. Without `notify.chatbot` none of the three exists.
const NOTIFY_FUNCTION = 'notify';
const TOPIC_ID = 'ChatbotTopic';
const KEY_ID = 'NotificationKey';
const SID = 'PublishChatbotTopic';
const ENV = 'CHATBOT_TOPIC_ARN';

const chatbotEnabled = (config) => config?.notify?.chatbot === true;

/**
 * notify's CHATBOT_TOPIC_ARN and `sns:Publish` on exactly the topic, or neither. Runs before
 * serverless-iam-roles-per-function builds the role, and again after the build: derived from scratch each time. The
 * topic's key is the NotificationTopic's, on which notify may already generate data keys.
 */
const configureChatbotGrant = (functions, config) => {
  const fn = functions?.[NOTIFY_FUNCTION];
  if (!fn) return;
  const statements = (fn.iamRoleStatements || []).filter((st) => st.Sid !== SID);
  const { [ENV]: _previous, ...environment } = fn.environment || {};
  if (chatbotEnabled(config)) {
    statements.push({ Sid: SID, Effect: 'Allow', Action: ['sns:Publish'], Resource: [{ Ref: TOPIC_ID }] });
    environment[ENV] = { Ref: TOPIC_ID };
  }
  fn.iamRoleStatements = statements;
  fn.environment = environment;
};

/**
 * The topic and its output. Encrypted like the NotificationTopic, under its key: SNS encrypts messages at rest and
 * decrypts them for delivery; a publisher needs kms:GenerateDataKey* and kms:Decrypt on the key ("Encryption at rest",
 * Amazon SNS Developer Guide, https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html).
 */
const addChatbotTopic = (template, config, { service, stage }) => {
  if (!chatbotEnabled(config)) return;
  template.Resources[TOPIC_ID] = {
    Type: 'AWS::SNS::Topic',
    Properties: {
      TopicName: `${service}-${stage}-chatbot`,
      DisplayName: `r53-failover ${stage} chat`,
      KmsMasterKeyId: { 'Fn::GetAtt': [KEY_ID, 'Arn'] },
    },
  };
  template.Outputs = {
    ...(template.Outputs || {}),
    ChatbotTopicArn: {
      Description: 'Subscribe an Amazon Q Developer in chat applications channel configuration here (notify.chatbot)',
      Value: { Ref: TOPIC_ID },
    },
  };
};

module.exports = { addChatbotTopic, configureChatbotGrant };
