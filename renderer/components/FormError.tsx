/** A dialog's error sentence, announced at once (role alert); nothing while there is none. */
export function FormError({ error }: { error: string | null }) {
  if (error === null) return null;
  return (
    <p className="form-error" role="alert">
      {error}
    </p>
  );
}
