import { describe, expect, it } from 'vitest';
import { isAdminPath } from '../route';
import { adminRouteFrom, param, userPath } from './adminRoute';

describe('admin routes', () => {
  it.each([
    ['/admin', { page: 'users' }],
    ['/admin/', { page: 'users' }],
    ['/admin/users', { page: 'users' }],
    ['/admin/users/u%201', { page: 'user', id: 'u 1' }],
    ['/admin/usage', { page: 'usage' }],
    ['/admin/audit/', { page: 'audit' }],
    ['/admin/users/a/b', { page: 'missing' }],
    ['/admin/users/%E0%A4%A', { page: 'missing' }],
    ['/admin/nope', { page: 'missing' }],
  ])('%s', (path, route) => expect(adminRouteFrom(path)).toEqual(route));

  it('the admin area is /admin and below, nothing else', () => {
    expect(isAdminPath('/admin')).toBe(true);
    expect(isAdminPath('/admin/users/x')).toBe(true);
    expect(isAdminPath('/administrator')).toBe(false);
    expect(isAdminPath('/c/admin')).toBe(false);
    expect(isAdminPath('/')).toBe(false);
  });

  it('user links escape the id; params read the query string', () => {
    expect(userPath('a/b')).toBe('/admin/users/a%2Fb');
    expect(param('?q=ada%20l&status=active', 'q')).toBe('ada l');
    expect(param('', 'q')).toBe('');
  });
});
