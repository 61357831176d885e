/** Option-value parsers shared by the CLI commands (commander calls them with the raw string). */
import { InvalidArgumentError } from 'commander';

/** An integer >= min ('1_000' reads as 1000). */
export function integer(min: number): (value: string) => number {
  return (value: string): number => {
    const n = Number(value.replace(/_/g, ''));
    if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got '${value}'`);
    return n;
  };
}

export const positiveInt = integer(1);

/** 'on' or 'off', as a boolean. */
export function onOff(value: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new InvalidArgumentError(`expected on or off, got '${value}'`);
}

/** A finite number >= 0. */
export function nonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number >= 0, got '${value}'`);
  return n;
}
