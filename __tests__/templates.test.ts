import { terraformLiteral } from '../stacks/shared/templates';

// Expected values are written out by hand from Terraform's template syntax: `$${` is a literal
// `${` and `%%{` a literal `%{`; anything else passes through unchanged.
describe('terraformLiteral', () => {
  it.each([
    ['${COMMIT_ID:-$CODEBUILD_RESOLVED_SOURCE_VERSION}', '$${COMMIT_ID:-$CODEBUILD_RESOLVED_SOURCE_VERSION}'],
    ['"${REPOSITORY_URI%%/*}"', '"$${REPOSITORY_URI%%/*}"'],
    ['%{ if x }', '%%{ if x }'],
    ['a ${b} c %{d} e ${f}', 'a $${b} c %%{d} e $${f}'],
    ['$HOME and 100% and {braces}', '$HOME and 100% and {braces}'],
  ])('escapes %j as %j', (input, expected) => {
    expect(terraformLiteral(input)).toBe(expected);
  });
});
