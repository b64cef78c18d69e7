import { demoPipeline } from './demo.js';

const USAGE = `usage: tessera <command>

commands:
  demo      build a small end-to-end pipeline on generated data, print its plan and its result
`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'demo': {
      const pipeline = demoPipeline();
      console.log('Plan:\n');
      console.log(pipeline.explain());
      console.log('\nResult:\n');
      console.table(await pipeline.collectRows());
      return 0;
    }
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`tessera: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
