export { promisesService } from './promises.service';
