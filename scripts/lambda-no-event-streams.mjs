// Lambda bundles only (see lambda-build.mjs): AWS SDK event streams are left out. Reaching this is a build bug.
const unsupported = () => {
  throw new Error('r53-failover: AWS SDK event streams are not bundled into this function (scripts/lambda-build.mjs)');
};
export const eventStreamSerdeProvider = unsupported;
export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}
