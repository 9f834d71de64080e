import { SimpleGrid, Paper, Text } from '@mantine/core';
import { readableDay } from '../ui/dates.ts';
import { LinkedName } from './entities/shared.tsx';
import { readableValue } from './format.ts';
import type { FieldMeta, Row } from './meta.ts';
import { moneyDisplay } from './money-field.tsx';
import { wordsOf } from './words.ts';

/** One value of a read-only record in words: linked records by name, codes and days in words. */
function ReadOnlyValue({ field: f, row }: { field: FieldMeta; row: Row }) {
  if (f.display) return <>{f.display(row)}</>;
  if (f.kind === 'money') return <>{moneyDisplay(f, row)}</>;
  const v: unknown = row[f.name];
  if (f.kind === 'link' && f.link && typeof v === 'string' && v) return <LinkedName link={f.link} id={v} />;
  if (f.kind === 'select' && typeof v === 'string' && v) return <>{wordsOf(v)}</>;
  if (f.kind === 'date' && typeof v === 'string' && v) return <>{readableDay(v)}</>;
  return <>{readableValue(v)}</>;
}

/** A record nobody edits here, shown as labelled values (not greyed inputs). */
export function ReadOnlyRecord({ fields, row }: { fields: FieldMeta[]; row: Row }) {
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-label="Details">
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="md" verticalSpacing="sm" component="dl" m={0}>
        {fields.map((f) => (
          <div key={f.name}>
            <Text component="dt" size="sm" c="gray.7">
              {f.label}
            </Text>
            <Text component="dd" m={0} fw={500} data-field={f.name}>
              <ReadOnlyValue field={f} row={row} />
            </Text>
          </div>
        ))}
      </SimpleGrid>
    </Paper>
  );
}
