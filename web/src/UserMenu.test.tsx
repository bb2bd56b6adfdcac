// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { UserMenu } from './UserMenu';
import { click, mount, type Mounted } from './testing';

const user = { id: 'u-1', name: 'Ada Lovelace', email: 'ada@example.com', roles: [] };

let mounted: Mounted | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
});

describe('UserMenu', () => {
  it('offers the export of the user’s own data as a download', () => {
    mounted = mount(<UserMenu user={user} />);
    expect(mounted.container.querySelector('a[href="/api/me/export"]')).toBeNull();
    click(mounted.container.querySelector('.avatar'));
    const link = mounted.container.querySelector<HTMLAnchorElement>('a[href="/api/me/export"]');
    expect(link?.textContent).toBe('Download my data');
    // A download, so the browser saves the streamed JSON instead of showing it.
    expect(link?.hasAttribute('download')).toBe(true);
  });
});
