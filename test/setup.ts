// Env defaults for every test file (restored per file by vitest's fork isolation).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_REGION ??= 'us-east-1';
delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
delete process.env.R53F_CONFIG;
delete process.env.R53F_LEDGER_DIR;
