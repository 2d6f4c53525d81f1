import '@tessera/backend-cpu';
import { runConformance } from '@tessera/conformance';
runConformance({ device: 'cpu' });
