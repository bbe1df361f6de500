/**
 * A GitHub repository name, checked by GitHub's own rules: an owner of 1 to 39 letters,
 * digits and hyphens that does not start with a hyphen, and a name of 1 to 100 letters,
 * digits, '.', '_' and '-' other than "." and "..". The one rule for the Pulumi config
 * (githubRepository), the GitHub pipeline component and the drift job (GITHUB_REPOSITORY).
 */

/** `owner/name` or a bare `name`: group 1 the owner (absent for a bare name), group 2 the name. */
export const GITHUB_REPOSITORY = /^(?:([A-Za-z0-9][A-Za-z0-9-]{0,38})\/)?([A-Za-z0-9._-]{1,100})$/;

/** What the rules allow, for error messages. */
export const GITHUB_REPOSITORY_RULE = "owner: letters, digits and '-', not starting with '-', at most 39 characters; name: letters, digits, '.', '_' and '-', at most 100, not . or ..";

/** The owner (undefined for a bare name) and the name, or undefined when `text` breaks the rules. */
export function parseGithubRepository(text: string): { owner?: string; name: string } | undefined {
  const m = GITHUB_REPOSITORY.exec(text);
  if (!m || m[2] === "." || m[2] === "..") return undefined;
  return m[1] === undefined ? { name: m[2]! } : { owner: m[1], name: m[2]! };
}
