// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
  it('removes scripts, event handlers and javascript: links', () => {
    const html = renderMarkdown(
      '<script>alert(1)</script>\n\n<img src=x onerror=alert(1)> <b onclick="x()">b</b>\n\n[x](javascript:alert(1)) <a href="javascript:alert(2)">y</a>',
    );
    expect(html).not.toMatch(/<script|onerror|onclick|href="javascript:/i);
    expect(html).toContain('<b>b</b>');
  });

  it('drops style attributes and elements (strict CSP)', () => {
    const html = renderMarkdown('<span style="color:red">r</span><style>body{}</style>');
    expect(html).not.toMatch(/style/i);
  });

  it('opens links in a new tab without opener or referrer', () => {
    const html = renderMarkdown('[docs](https://example.com/a)');
    expect(html).toContain('href="https://example.com/a"');
    expect(html).toContain('target="_blank"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
  });

  it('highlights fenced code and adds a copy button', () => {
    const html = renderMarkdown('```python\ndef f(x):\n    return "<b>"\n```');
    expect(html).toContain('class="copy-code"');
    expect(html).toContain('hljs-keyword');
    expect(html).toContain('&lt;b&gt;');
  });

  it('escapes code in unknown languages', () => {
    const html = renderMarkdown('```nolang\n<script>x</script>\n```');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
  });

  it('renders GFM tables and lists', () => {
    const html = renderMarkdown('| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n1. first');
    expect(html).toContain('<table>');
    expect(html).toContain('<td>1</td>');
    expect(html).toContain('<ul>');
    expect(html).toContain('<ol>');
  });
});
