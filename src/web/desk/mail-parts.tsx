/** A mail's two parts side by side in tabs: the HTML part as a reader's mail program shows it, and the plain-text part as sent. */
import { Paper, Tabs, Text, Title } from '@mantine/core';

/** The mail's HTML for the frame: its inline styles (for mail clients) are dropped, as this site's security policy refuses them. */
function withoutInlineStyles(html: string): string {
  return html.replace(/\sstyle="[^"]*"/g, '');
}

export function MailParts(p: { subject: string; html: string; text: string; label: string; testId?: string }) {
  return (
    <Paper withBorder radius="md" p="md" data-testid={p.testId} aria-label={p.label}>
      <Title order={3} fz="md" mb="xs">
        {p.subject}
      </Title>
      <Tabs defaultValue="html" keepMounted={false}>
        <Tabs.List mb="sm">
          <Tabs.Tab value="html">As HTML</Tabs.Tab>
          <Tabs.Tab value="text">As plain text</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="html">
          <iframe title="The HTML part of the mail" srcDoc={withoutInlineStyles(p.html)} sandbox="" style={{ width: '100%', minHeight: 260, border: 0 }} />
        </Tabs.Panel>
        <Tabs.Panel value="text">
          <Text component="pre" size="sm" ff="monospace" style={{ whiteSpace: 'pre-wrap', margin: 0 }} data-testid="mail-text">
            {p.text}
          </Text>
        </Tabs.Panel>
      </Tabs>
    </Paper>
  );
}
