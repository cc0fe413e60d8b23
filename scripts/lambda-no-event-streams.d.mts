export declare const eventStreamSerdeProvider: () => never;
export declare class EventStreamSerde {
  constructor();
}
