import { orchestrator, scoring } from '@collections/contracts';

export interface ContactChoice {
  channel: orchestrator.Channel;
  allowed: boolean;
  reasons: string[];
}

/**
 * Walking-skeleton strategy, replaced by declarative strategies and the contact-law engine in
 * the orchestrator issue: self-cure accounts get no contact, the others an SMS or an agent call.
 */
export function chooseNextContact(segment: scoring.Segment): ContactChoice {
  switch (segment) {
    case scoring.Segment.SEGMENT_SELF_CURE:
      return {
        channel: orchestrator.Channel.CHANNEL_SMS,
        allowed: false,
        reasons: ['skeleton:self-cure — likely to pay without a contact'],
      };
    case scoring.Segment.SEGMENT_NEGOTIATE:
    case scoring.Segment.SEGMENT_HARDSHIP:
      return {
        channel: orchestrator.Channel.CHANNEL_SMS,
        allowed: true,
        reasons: ['skeleton:offer — send an offer by SMS'],
      };
    case scoring.Segment.SEGMENT_LEGAL_OR_HUMAN:
      return {
        channel: orchestrator.Channel.CHANNEL_CALL,
        allowed: true,
        reasons: ['skeleton:agent — a person should call'],
      };
    default:
      return {
        channel: orchestrator.Channel.CHANNEL_UNSPECIFIED,
        allowed: false,
        reasons: ['skeleton:unknown-segment — no contact without a segment'],
      };
  }
}
