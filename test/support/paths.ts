/** Where the repository is (found once, in tools/repo), for the tests and the scripts. */
export { ROOT } from '../../tools/repo/index.ts';
