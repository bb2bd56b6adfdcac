import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { handleFailure } from './failure';

describe('handleFailure', () => {
  it('a 401 signs in again and shows nothing', () => {
    const show = vi.fn();
    const signIn = vi.fn();
    handleFailure(new ApiError(401, 'unauthorized', 'Sign in'), show, signIn);
    expect(signIn).toHaveBeenCalledOnce();
    expect(show).not.toHaveBeenCalled();
  });

  it('any other API error is shown as it is', () => {
    const show = vi.fn();
    const signIn = vi.fn();
    const error = new ApiError(409, 'conflict', 'Busy');
    handleFailure(error, show, signIn);
    expect(show).toHaveBeenCalledWith(error);
    expect(signIn).not.toHaveBeenCalled();
  });

  it('anything else thrown is shown as a network error', () => {
    const show = vi.fn();
    handleFailure(new SyntaxError('Unexpected token'), show, vi.fn());
    const shown = show.mock.calls[0][0] as ApiError;
    expect(shown).toBeInstanceOf(ApiError);
    expect(shown.kind).toBe('network');
  });
});
