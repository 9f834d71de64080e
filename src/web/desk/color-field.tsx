/**
 * The desk's "color" field kind (certificate template colours): a colour picker that also takes a
 * typed #rrggbb, as the API stores it. A value of another shape is explained next to the field
 * before anything is sent.
 */
import { ColorInput } from '@mantine/core';

const HEX = /^#[0-9a-fA-F]{6}$/;
const SWATCHES = ['#1c3d5a', '#1c7ed6', '#2b8a3e', '#c92a2a', '#e67700', '#5f3dc4', '#212529', '#ffffff'];

/** The problem with a typed colour in words, or undefined when it is a #rrggbb colour (or empty). */
export function colorProblem(label: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '' || HEX.test(value)) return undefined;
  return `${label} must be a colour written as # and six hexadecimal digits, such as #1c7ed6.`;
}

export function ColorField(props: {
  id: string;
  label: string;
  description?: string;
  error?: string;
  required?: boolean;
  disabled: boolean;
  value: string;
  onChange: (v: string) => void;
}) {
  return (
    <ColorInput
      id={props.id}
      label={props.label}
      description={props.description ?? 'Pick a colour or type it as #rrggbb.'}
      error={props.error}
      required={props.required}
      disabled={props.disabled}
      format="hex"
      fixOnBlur={false}
      swatches={SWATCHES}
      swatchesPerRow={8}
      value={props.value}
      onChange={props.onChange}
      eyeDropperButtonProps={{ 'aria-label': `Pick ${props.label.toLowerCase()} from the screen` }}
    />
  );
}
