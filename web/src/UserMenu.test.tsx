// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from './api';
import { click, mount, type Mounted } from './testing';
import { UserMenu } from './UserMenu';

let view: Mounted;
afterEach(() => view.unmount());

const user = (roles: string[]): User => ({
  id: 'u1',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  roles,
});
const open = () => click(view.container.querySelector('.avatar'));
const links = () => [...view.container.querySelectorAll('.menu a')].map((a) => a.textContent);

describe('UserMenu', () => {
  it('an administrator (Parley.Admin) is offered the administration', () => {
    view = mount(<UserMenu user={user(['Reader', 'Parley.Admin'])} />);
    open();
    const admin = view.container.querySelector('[data-testid="admin-link"]')!;
    expect(admin.textContent).toBe('Administration');
    expect(admin.getAttribute('href')).toBe('/admin');
  });

  it('a plain user is not (nor a role that merely looks like it)', () => {
    view = mount(<UserMenu user={user(['admin', 'parley.admin', 'Parley.Admins'])} />);
    open();
    expect(view.container.querySelector('[data-testid="admin-link"]')).toBeNull();
    expect(links()).toEqual([]);
  });

  it('in the admin area it leads back to the chat', () => {
    view = mount(<UserMenu user={user(['Parley.Admin'])} area="admin" />);
    open();
    expect(links()).toEqual(['Back to chat']);
  });
});
