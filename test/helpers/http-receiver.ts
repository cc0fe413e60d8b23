// Tests use the same loopback receiver as the demo.
export * from '../../local/receiver.js';
