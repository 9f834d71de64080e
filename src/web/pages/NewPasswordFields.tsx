import { PasswordInput } from '@mantine/core';

export type NewPasswordField = 'password' | 'confirm';

/**
 * A new password and its repetition (setup, set-password links). Ids are `${idPrefix}-password`
 * and `${idPrefix}-confirm`, so a form can move the focus to the first field in error.
 */
export function NewPasswordFields({
  idPrefix,
  labels,
  values,
  errors,
  onChange,
}: {
  idPrefix: string;
  labels: { password: string; confirm: string };
  values: Record<NewPasswordField, string>;
  errors: Partial<Record<NewPasswordField, string | undefined>>;
  onChange: (field: NewPasswordField) => (e: { currentTarget: { value: string } }) => void;
}) {
  return (
    <>
      <PasswordInput
        id={`${idPrefix}-password`}
        label={labels.password}
        name="password"
        autoComplete="new-password"
        description="At least 12 characters; a few unrelated words work well."
        required
        value={values.password}
        onChange={onChange('password')}
        error={errors.password}
      />
      <PasswordInput
        id={`${idPrefix}-confirm`}
        label={labels.confirm}
        name="confirm"
        autoComplete="new-password"
        required
        value={values.confirm}
        onChange={onChange('confirm')}
        error={errors.confirm}
      />
    </>
  );
}
