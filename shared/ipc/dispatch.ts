import { isInvokeChannel } from './channels';
import { invokeContract, type ContractHandlers } from './contract';
import { AppError, fail, ok, type Result } from './result';

/**
 * The one entry into `AppService` for every transport: checks the channel, validates the payload against the
 * contract, calls the handler, and wraps the outcome in a Result. Nothing unvalidated reaches a handler, and no
 * exception crosses back to the caller.
 */
export async function dispatch(handlers: ContractHandlers, channel: unknown, request: unknown): Promise<Result<unknown>> {
  if (!isInvokeChannel(channel)) return fail('unknown-channel', `There is no channel ${JSON.stringify(channel)}.`);
  const parsed = invokeContract[channel].request.safeParse(request ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
    return fail('invalid-request', `${issue?.message ?? 'Invalid request'}${where}`);
  }
  try {
    const handler = handlers[channel] as (request: unknown) => Promise<unknown>;
    return ok(await handler(parsed.data));
  } catch (err) {
    if (err instanceof AppError) return fail(err.code, err.message);
    return fail('internal', `Something went wrong: ${(err as Error)?.message ?? String(err)}`);
  }
}
