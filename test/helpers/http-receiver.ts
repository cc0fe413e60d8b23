// Tests use the same loopback receiver as the demo.
export * from '../../shared/local-receiver.js';
