import { ContactDirectory } from '../../src/dispatch/contact-directory';
import { OptOutLinkSigner, PaymentLinkSigner } from '../../src/templates/domain';

/** The service's own payment-link secret and base (its defaults): a letter file is the same whichever process writes it. */
export const serviceLinks = () =>
  new PaymentLinkSigner('local-only-payment-link-secret-0123456789', 'http://127.0.0.1:3000/pay');

/** The service's own opt-out link secret (its default). */
export const OPT_OUT_LINK_SECRET = 'local-only-opt-out-link-secret-0123456789';

/** The service's own opt-out link secret and base (its defaults): a test's dispatcher signs links the service honours. */
export const serviceOptOutLinks = () => new OptOutLinkSigner(OPT_OUT_LINK_SECRET, 'http://127.0.0.1:3000/opt-out');

/**
 * What a test's own dispatcher (or letter export) is built with beside the service's: the test's
 * contact directory, links signed with the local secret, and no waiting between attempts
 * (`delay`) or jitter (`random`).
 */
export function testDispatchDeps(directory: ContactDirectory) {
  return {
    directory,
    links: new PaymentLinkSigner('local-only-payment-link-secret-0123456789', 'http://pay.example'),
    linkDays: 7,
    optOutLinks: serviceOptOutLinks(),
    delay: async () => undefined,
    random: () => 0,
  };
}

/** The service's own job timers off (planning, dispatch, letter export): the test runs each job itself. */
export const JOB_TIMERS_OFF = {
  ORCHESTRATOR_PLANNING_CHECK_MS: '0',
  ORCHESTRATOR_DISPATCH_CHECK_MS: '0',
  ORCHESTRATOR_LETTER_EXPORT_CHECK_MS: '0',
};
