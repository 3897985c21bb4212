/** The hub reviewer whose review set a cell's type (a name: reviewers are not users of the box). */
export default `
ALTER TABLE cells ADD COLUMN changed_by_reviewer TEXT;
`;
