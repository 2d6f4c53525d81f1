import '@tessera/backend-native';
import { runConformance } from '@tessera/conformance';

runConformance({ device: 'native' });
